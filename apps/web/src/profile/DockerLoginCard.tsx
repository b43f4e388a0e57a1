/** How to sign in to this server's registry: the exact `docker login` command, and what to give as the password. */
import { Alert, Box, Card, CardContent, CardHeader, TextField, Typography } from '@mui/material';
import type { SessionIdentity } from '../providers/auth-provider';
import { CopyButton } from './CopyButton';

export function DockerLoginCard({ identity }: { identity: SessionIdentity }) {
  const host = identity.registryHost;
  const command = host ? `docker login ${host} -u ${identity.login}` : undefined;
  return (
    <Card variant="outlined">
      <CardHeader title="How to log in" titleTypographyProps={{ component: 'h2', variant: 'h6' }} />
      <CardContent sx={{ pt: 0 }}>
        {command ? (
          <>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <TextField
                id="docker-login-command"
                label="Command"
                value={command}
                fullWidth
                size="small"
                slotProps={{ input: { readOnly: true, sx: { fontFamily: 'monospace' } } }}
              />
              <CopyButton text={command} label="Copy the docker login command" fieldId="docker-login-command" />
            </Box>
            <Typography variant="body2" sx={{ mt: 1.5 }} color="text.secondary">
              When asked, give your password, or a personal access token (below) for scripts and CI. Once signed in,
              docker keeps a refresh token, listed under "Signed-in registry clients". skopeo and podman take the same
              address: <code>skopeo login {host}</code>.
            </Typography>
          </>
        ) : (
          <Alert severity="info">
            This server has no registry address configured (--registry.host), so it cannot show the command.
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
