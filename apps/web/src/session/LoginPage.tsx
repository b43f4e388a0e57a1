/**
 * The sign-in page. "Forgot password?" appears only when the server can mail reset links (`/auth/options`). After an
 * expired session, react-admin brought the user here with the page they were on, and signing in returns there.
 */
import { Box, Button, Link, TextField } from '@mui/material';
import { type FormEvent, useEffect, useState } from 'react';
import { useLogin } from 'react-admin';
import { sessionApi } from './api';
import { FormMessage } from './FormMessage';
import { SessionCard } from './SessionCard';

const messageOf = (error: unknown) =>
  error instanceof Error && error.message ? error.message : 'sign-in failed: try again';

function SignInForm({ onForgot }: { onForgot?: () => void }) {
  const login = useLogin();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await login({ username: String(form.get('username') ?? ''), password: String(form.get('password') ?? '') });
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={submit} noValidate={false}>
      {error ? <FormMessage severity="error">{error}</FormMessage> : null}
      <TextField
        name="username"
        id="login-username"
        label="Login"
        autoComplete="username"
        required
        fullWidth
        autoFocus
        margin="dense"
      />
      <TextField
        name="password"
        id="login-password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        fullWidth
        margin="dense"
      />
      <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 2 }}>
        Sign in
      </Button>
      {onForgot ? (
        <Box sx={{ mt: 2, textAlign: 'center' }}>
          <Link component="button" type="button" variant="body2" onClick={onForgot}>
            Forgot password?
          </Link>
        </Box>
      ) : null}
    </Box>
  );
}

function ForgotPasswordForm({ onBack }: { onBack: () => void }) {
  const [answer, setAnswer] = useState<{ severity: 'error' | 'success'; text: string }>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const login = String(new FormData(event.currentTarget).get('login') ?? '');
    setBusy(true);
    try {
      setAnswer({ severity: 'success', text: await sessionApi.requestPasswordReset(login) });
    } catch (caught) {
      setAnswer({ severity: 'error', text: messageOf(caught) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={submit}>
      {answer ? (
        <FormMessage severity={answer.severity}>{answer.text}</FormMessage>
      ) : (
        <FormMessage severity="info">
          Enter your login: a link to set a new password is mailed to your address.
        </FormMessage>
      )}
      <TextField name="login" id="reset-login" label="Login" autoComplete="username" required fullWidth autoFocus />
      <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 2 }}>
        Send reset link
      </Button>
      <Box sx={{ mt: 2, textAlign: 'center' }}>
        <Link component="button" type="button" variant="body2" onClick={onBack}>
          Back to sign in
        </Link>
      </Box>
    </Box>
  );
}

export function LoginPage() {
  const [resetAvailable, setResetAvailable] = useState(false);
  const [forgot, setForgot] = useState(false);
  useEffect(() => {
    let live = true;
    sessionApi.signInOptions().then((options) => {
      if (live) setResetAvailable(options.passwordReset);
    });
    return () => {
      live = false;
    };
  }, []);

  return forgot ? (
    <SessionCard heading="Reset your password">
      <ForgotPasswordForm onBack={() => setForgot(false)} />
    </SessionCard>
  ) : (
    <SessionCard heading="Sign in">
      <SignInForm {...(resetAvailable ? { onForgot: () => setForgot(true) } : {})} />
    </SessionCard>
  );
}
