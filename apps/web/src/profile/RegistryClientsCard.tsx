/**
 * Registry clients signed in as this user (each `docker login` keeps a refresh token): sign one out, or sign out
 * everywhere — every registry client and every browser session, this one included.
 */
import { Alert, Button, Card, CardContent, CardHeader } from '@mui/material';
import { useState } from 'react';
import { Confirm, useDataProvider, useGetList, useLogout, useNotify } from 'react-admin';
import { apiClient } from '../providers';
import { TokenTable } from './TokenTable';
import type { ApiToken } from './types';

export function RegistryClientsCard() {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const logout = useLogout();
  const { data, isPending, error, refetch } = useGetList<ApiToken>('clients', {
    pagination: { page: 1, perPage: 100 },
    sort: { field: 'lastUsedAt', order: 'DESC' },
  });
  const [signingOut, setSigningOut] = useState<ApiToken>();
  const [everywhere, setEverywhere] = useState(false);

  const signOut = async () => {
    const client = signingOut;
    setSigningOut(undefined);
    if (!client) return;
    try {
      await dataProvider.delete('clients', { id: client.id, previousData: client });
      notify('Registry client signed out', { type: 'info' });
    } catch (caught) {
      notify(caught instanceof Error ? caught.message : 'the client could not be signed out', { type: 'error' });
    }
    await refetch();
  };

  const signOutEverywhere = async () => {
    setEverywhere(false);
    try {
      await apiClient.request('/auth/logout-everywhere', { method: 'POST' });
      // This browser's session ended with the rest: back to the login page, with no page to return to.
      await logout({}, '/login', false);
    } catch (caught) {
      notify(caught instanceof Error ? caught.message : 'signing out everywhere failed', { type: 'error' });
    }
  };

  return (
    <Card variant="outlined">
      <CardHeader
        title="Signed-in registry clients"
        titleTypographyProps={{ component: 'h2', variant: 'h6' }}
        subheader="Each docker, podman or skopeo login of your account. Sign out one you no longer use."
        action={
          <Button color="error" onClick={() => setEverywhere(true)}>
            Sign out everywhere
          </Button>
        }
      />
      <CardContent sx={{ pt: 0 }}>
        {error ? <Alert severity="error">{error.message}</Alert> : null}
        <TokenTable
          kind="refresh"
          tokens={data}
          loading={isPending}
          empty="No registry client is signed in with a refresh token."
          actionLabel="Sign out"
          onAction={setSigningOut}
        />
      </CardContent>
      <Confirm
        isOpen={signingOut !== undefined}
        title="Sign out this registry client?"
        content="It must run docker login again to pull or push as you."
        confirm="Sign out"
        onConfirm={signOut}
        onClose={() => setSigningOut(undefined)}
      />
      <Confirm
        isOpen={everywhere}
        title="Sign out everywhere?"
        content="Every registry client and every browser session of your account ends, this one included. Personal access tokens stay valid."
        confirm="Sign out everywhere"
        onConfirm={signOutEverywhere}
        onClose={() => setEverywhere(false)}
      />
    </Card>
  );
}
