/**
 * Personal access tokens: create one (name, pull-only, expiry) — its secret is shown once, with a copy button —,
 * list them, revoke one. Creating and revoking need a session or the password (the server refuses a token).
 */
import AddIcon from '@mui/icons-material/Add';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  TextField,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import { Confirm, useDataProvider, useGetList, useNotify } from 'react-admin';
import { CopyButton } from './CopyButton';
import { EXPIRY_CHOICES, expiryFrom, formatDate } from './format';
import { TokenTable } from './TokenTable';
import type { ApiToken } from './types';

const PER_PAGE = 100;

function CreateTokenDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (token: ApiToken & { token: string }) => void;
}) {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [nameError, setNameError] = useState<string>();
  const [expiry, setExpiry] = useState('30');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = expiry === 'never' ? null : Number(expiry);
    setBusy(true);
    setNameError(undefined);
    try {
      const { data } = await dataProvider.create<ApiToken & { token: string }>('tokens', {
        data: {
          name: String(form.get('name') ?? '').trim(),
          readOnly: form.get('readOnly') === 'on',
          expiresAt: expiryFrom(days),
        },
      });
      onCreated(data);
    } catch (caught) {
      const fieldError = (caught as { body?: { errors?: Record<string, string> } }).body?.errors?.name;
      if (fieldError) setNameError(fieldError);
      else notify(caught instanceof Error ? caught.message : 'the token could not be created', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="create-token-title" fullWidth maxWidth="xs">
      <Box component="form" onSubmit={submit}>
        <DialogTitle id="create-token-title">New personal access token</DialogTitle>
        <DialogContent>
          <TextField
            name="name"
            id="token-name"
            label="Name"
            helperText={nameError ?? 'what it is for, e.g. "ci on build-01"'}
            error={nameError !== undefined}
            required
            fullWidth
            autoFocus
            margin="dense"
            slotProps={{ htmlInput: { maxLength: 100 } }}
          />
          <TextField
            select
            id="token-expiry"
            label="Expires"
            value={expiry}
            onChange={(event) => setExpiry(event.target.value)}
            fullWidth
            margin="dense"
          >
            {EXPIRY_CHOICES.map((choice) => (
              <MenuItem key={choice.label} value={choice.days === null ? 'never' : String(choice.days)}>
                {choice.label}
              </MenuItem>
            ))}
          </TextField>
          <FormControlLabel control={<Checkbox name="readOnly" defaultChecked />} label="Pull only (read-only)" />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={busy}>
            Create token
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

function CreatedTokenDialog({
  created,
  onClose,
}: {
  created: (ApiToken & { token: string }) | undefined;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={created !== undefined}
      onClose={onClose}
      aria-labelledby="created-token-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="created-token-title">Token "{created?.name}" created</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          Copy it now: it is shown only this once. Use it as the password of <code>docker login</code>.
        </Alert>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <TextField
            id="created-token-secret"
            label="Token"
            value={created?.token ?? ''}
            fullWidth
            size="small"
            slotProps={{ input: { readOnly: true, sx: { fontFamily: 'monospace' } } }}
          />
          <CopyButton text={created?.token ?? ''} label="Copy the token" fieldId="created-token-secret" />
        </Box>
        <Box sx={{ mt: 1, color: 'text.secondary', typography: 'body2' }}>
          {created?.readOnly ? 'Pull only' : 'Pull and push, as your account'} · expires{' '}
          {formatDate(created?.expiresAt ?? null)}
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} variant="contained">
          Done
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function AccessTokensCard() {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const { data, isPending, error, refetch } = useGetList<ApiToken>('tokens', {
    pagination: { page: 1, perPage: PER_PAGE },
    sort: { field: 'createdAt', order: 'DESC' },
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiToken & { token: string }>();
  const [revoking, setRevoking] = useState<ApiToken>();

  const revoke = async () => {
    const token = revoking;
    setRevoking(undefined);
    if (!token) return;
    try {
      await dataProvider.delete('tokens', { id: token.id, previousData: token });
      notify(`Token "${token.name}" revoked`, { type: 'info' });
    } catch (caught) {
      notify(caught instanceof Error ? caught.message : 'the token could not be revoked', { type: 'error' });
    }
    await refetch();
  };

  return (
    <Card variant="outlined">
      <CardHeader
        title="Personal access tokens"
        titleTypographyProps={{ component: 'h2', variant: 'h6' }}
        subheader="For scripts and CI: a password you can limit to pulls, give an expiry, and revoke alone."
        action={
          <Button startIcon={<AddIcon />} onClick={() => setCreating(true)}>
            New token
          </Button>
        }
      />
      <CardContent sx={{ pt: 0 }}>
        {error ? <Alert severity="error">{error.message}</Alert> : null}
        <TokenTable
          kind="pat"
          tokens={data}
          loading={isPending}
          empty="No personal access tokens yet."
          actionLabel="Revoke"
          onAction={setRevoking}
        />
      </CardContent>
      <CreateTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(token) => {
          setCreating(false);
          setCreated(token);
          void refetch();
        }}
      />
      <CreatedTokenDialog created={created} onClose={() => setCreated(undefined)} />
      <Confirm
        isOpen={revoking !== undefined}
        title={`Revoke the token "${revoking?.name ?? ''}"?`}
        content="Anything that uses it can no longer sign in with it. This cannot be undone."
        confirm="Revoke"
        onConfirm={revoke}
        onClose={() => setRevoking(undefined)}
      />
    </Card>
  );
}
