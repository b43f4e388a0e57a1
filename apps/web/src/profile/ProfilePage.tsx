/**
 * The signed-in user's own page, for every role: account, password, how to log in to the registry, personal access
 * tokens and signed-in registry clients. Loaded lazily: the first page of the app does not carry it.
 */
import { Card, CardContent, CardHeader, Chip, Stack, Typography } from '@mui/material';
import { Loading, Title, useGetIdentity } from 'react-admin';
import type { SessionIdentity } from '../providers/auth-provider';
import { AccessTokensCard } from './AccessTokensCard';
import { ChangePasswordCard } from './ChangePasswordCard';
import { DockerLoginCard } from './DockerLoginCard';
import { RegistryClientsCard } from './RegistryClientsCard';

export default function ProfilePage() {
  const { identity, isPending } = useGetIdentity();
  if (isPending || !identity) return <Loading />;
  const me = identity as SessionIdentity;
  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4, maxWidth: 1000 }}>
      <Title title="My profile" />
      <Card variant="outlined">
        <CardHeader
          title={me.fullName}
          titleTypographyProps={{ component: 'h2', variant: 'h6' }}
          subheader={`signed in as ${me.login}`}
          action={<Chip label={me.role} size="small" sx={{ mt: 1, mr: 1 }} />}
        />
        <CardContent sx={{ pt: 0 }}>
          <Typography variant="body2" color="text.secondary">
            Your password signs you in here and to the registry. Changing it signs out every other browser and registry
            client of yours.
          </Typography>
        </CardContent>
      </Card>
      <DockerLoginCard identity={me} />
      <ChangePasswordCard />
      <AccessTokensCard />
      <RegistryClientsCard />
    </Stack>
  );
}
