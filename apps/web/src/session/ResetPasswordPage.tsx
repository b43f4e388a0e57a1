/**
 * Where the reset mail's link lands (`/reset-password#token=…`, see RESET_PASSWORD_PATH): choose a new password, typed
 * twice. The link works once and for an hour; the server says so when it no longer does.
 */
import { Box, Button, TextField } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { sessionApi } from './api';
import { FormMessage } from './FormMessage';
import { SessionCard } from './SessionCard';
import { resetTokenFrom } from './session-api';

export function ResetPasswordPage() {
  // Read once: the fragment is the link's, and nothing else on the page changes it.
  const [token] = useState(() => resetTokenFrom(window.location.hash));
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('the two passwords differ');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setDone(await sessionApi.completePasswordReset(token ?? '', password));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : 'the password could not be set');
    } finally {
      setBusy(false);
    }
  };

  const signIn = (
    <Button component={RouterLink} to="/login" variant="contained" fullWidth>
      Go to sign in
    </Button>
  );

  if (!token) {
    return (
      <SessionCard heading="Set a new password">
        <FormMessage severity="error">
          This link is incomplete: open the whole link from the mail, or ask for a new one on the sign-in page.
        </FormMessage>
        {signIn}
      </SessionCard>
    );
  }
  if (done) {
    return (
      <SessionCard heading="Set a new password">
        <FormMessage severity="success">{done}</FormMessage>
        {signIn}
      </SessionCard>
    );
  }
  return (
    <SessionCard heading="Set a new password">
      <Box component="form" onSubmit={submit}>
        {error ? <FormMessage severity="error">{error}</FormMessage> : null}
        <TextField
          name="password"
          id="reset-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          fullWidth
          autoFocus
          margin="dense"
        />
        <TextField
          name="confirm"
          id="reset-confirm"
          label="New password again"
          type="password"
          autoComplete="new-password"
          required
          fullWidth
          margin="dense"
        />
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 2 }}>
          Set password
        </Button>
      </Box>
    </SessionCard>
  );
}
