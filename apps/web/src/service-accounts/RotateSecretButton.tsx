/** Replaces a service account's secret after a confirmation; the new one is shown once. */
import KeyIcon from '@mui/icons-material/Key';
import { useState } from 'react';
import { Button, Confirm, useNotify, useRecordContext, useRefresh } from 'react-admin';
import { adminRequests } from '../providers';
import { SecretDialog, type ShownSecret } from './SecretDialog';

export function RotateSecretButton() {
  const account = useRecordContext<{ id: number; name: string }>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<ShownSecret>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!account) return null;
  const rotate = async () => {
    setBusy(true);
    try {
      const rotated = await adminRequests.rotateServiceAccountSecret(account.id);
      setShown({ name: rotated.name, secret: rotated.secret });
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <>
      <Button label="Rotate secret" onClick={() => setConfirming(true)} disabled={busy}>
        <KeyIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        loading={busy}
        title={`Rotate the secret of ${account.name}?`}
        content="The current secret stops working at once; clients must be given the new one."
        confirm="Rotate"
        onConfirm={rotate}
        onClose={() => setConfirming(false)}
      />
      <SecretDialog shown={shown} onClose={() => setShown(undefined)} />
    </>
  );
}
