/**
 * Actions on one account beside its form: disable or enable it at once, mail a password-reset link (when it has an
 * e-mail address; the server says when mail is not configured), and check what it may access.
 */
import BlockIcon from '@mui/icons-material/Block';
import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutline';
import MailIcon from '@mui/icons-material/MailOutline';
import PolicyIcon from '@mui/icons-material/Policy';
import { useState } from 'react';
import { Button, Confirm, ListButton, TopToolbar, useNotify, useRecordContext, useUpdate } from 'react-admin';
import { Link } from 'react-router-dom';
import { adminRequests } from '../providers';

interface Account {
  id: number;
  login: string;
  email: string | null;
  disabled: boolean;
}

function DisableButton() {
  const user = useRecordContext<Account>();
  const [confirming, setConfirming] = useState(false);
  const notify = useNotify();
  const [update, { isPending }] = useUpdate();
  if (!user) return null;
  const toggle = () =>
    update(
      'users',
      { id: user.id, data: { disabled: !user.disabled }, previousData: user },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => notify(user.disabled ? `${user.login} is enabled` : `${user.login} is disabled`),
        onError: (error) => notify((error as Error).message, { type: 'error' }),
        onSettled: () => setConfirming(false),
      },
    );
  return (
    <>
      <Button
        label={user.disabled ? 'Enable' : 'Disable'}
        onClick={() => (user.disabled ? toggle() : setConfirming(true))}
        disabled={isPending}
      >
        {user.disabled ? <CheckCircleOutlineIcon /> : <BlockIcon />}
      </Button>
      <Confirm
        isOpen={confirming}
        loading={isPending}
        title={`Disable ${user.login}?`}
        content="The account then authenticates nowhere: web UI, API, registry logins and signed-in clients."
        confirm="Disable"
        onConfirm={toggle}
        onClose={() => setConfirming(false)}
      />
    </>
  );
}

function ResetMailButton() {
  const user = useRecordContext<Account>();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (!user?.email) return null;
  const send = async () => {
    setBusy(true);
    try {
      await adminRequests.sendPasswordReset(user.login);
      notify(`A password-reset link was mailed to ${user.email}`, { type: 'info' });
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button label="Mail reset link" onClick={send} disabled={busy}>
      <MailIcon />
    </Button>
  );
}

function CheckAccessButton() {
  const user = useRecordContext<Account>();
  if (!user) return null;
  return (
    <Button label="Check access" component={Link} to={`/access-check?${new URLSearchParams({ user: user.login })}`}>
      <PolicyIcon />
    </Button>
  );
}

export function UserActions() {
  return (
    <TopToolbar>
      <CheckAccessButton />
      <ResetMailButton />
      <DisableButton />
      <ListButton />
    </TopToolbar>
  );
}
