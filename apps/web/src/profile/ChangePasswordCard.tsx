/**
 * Change one's own password: the current one, the new one twice. The server ends every other sign-in of the account
 * (browsers and registry clients) and renews this browser's session; the page says how many it signed out.
 */
import { Box, Button, Card, CardContent, CardHeader, TextField } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { useGetIdentity, useNotify } from 'react-admin';
import { authProvider } from '../providers';
import type { ApiErrorDetails } from '../providers/api-client';

type Field = 'currentPassword' | 'newPassword' | 'confirm';

export function ChangePasswordCard() {
  const notify = useNotify();
  const { refetch } = useGetIdentity();
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    if (newPassword !== String(form.get('confirm') ?? '')) {
      setErrors({ confirm: 'the two new passwords differ' });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const { sessionsEnded, clientsSignedOut } = await authProvider.changePassword(currentPassword, newPassword);
      formElement.reset();
      await refetch();
      notify(
        `Password changed. Signed out elsewhere: ${sessionsEnded} browser session(s), ${clientsSignedOut} registry client(s).`,
        { type: 'success' },
      );
    } catch (caught) {
      const body = (caught as { body?: ApiErrorDetails }).body;
      const fieldErrors = body?.errors ?? {};
      if (Object.keys(fieldErrors).length > 0) setErrors(fieldErrors as Partial<Record<Field, string>>);
      else notify(caught instanceof Error ? caught.message : 'the password could not be changed', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: Field, label: string, autoComplete: string) => (
    <TextField
      name={name}
      id={`profile-${name}`}
      label={label}
      type="password"
      autoComplete={autoComplete}
      required
      fullWidth
      margin="dense"
      error={errors[name] !== undefined}
      helperText={errors[name] ?? ' '}
    />
  );

  return (
    <Card variant="outlined">
      <CardHeader title="Change password" titleTypographyProps={{ component: 'h2', variant: 'h6' }} />
      <CardContent sx={{ pt: 0 }}>
        <Box component="form" onSubmit={submit} aria-label="Change password" sx={{ maxWidth: 420 }}>
          {field('currentPassword', 'Current password', 'current-password')}
          {field('newPassword', 'New password', 'new-password')}
          {field('confirm', 'New password again', 'new-password')}
          <Button type="submit" variant="contained" disabled={busy} sx={{ mt: 1 }}>
            Change password
          </Button>
        </Box>
      </CardContent>
    </Card>
  );
}
