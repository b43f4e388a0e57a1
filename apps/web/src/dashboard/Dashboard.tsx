/**
 * The first page: whether the registry answers, totals over what the caller may see (repositories, tags, storage;
 * accounts for admins and managers), and recent pushes and deletes — from the registry's events for admins and
 * managers, from the newest pushed tags for everyone else (the activity log is theirs to read only).
 */
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import {
  Alert,
  Box,
  Card,
  CardContent,
  CardHeader,
  Grid,
  Link,
  List,
  ListItem,
  ListItemText,
  Skeleton,
  Typography,
} from '@mui/material';
import { Title, useGetList, useGetOne, usePermissions } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { formatBytes } from '../repositories/format';
import { useRegistryStatus } from '../repositories/registry-status';

interface Stats {
  id: string;
  repositories: number;
  tags: number;
  size: number;
}

interface RecentEvent {
  id: string;
  timestamp: string;
  action: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  actor: string;
}

interface RecentTag {
  id: string;
  repository: string;
  name: string;
  pushedAt: string | null;
}

function Total({ label, value }: { label: string; value: string | number | undefined }) {
  return (
    <Card sx={{ height: '100%' }}>
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" component="p">
          {value === undefined ? <Skeleton width={80} /> : value}
        </Typography>
      </CardContent>
    </Card>
  );
}

function RegistryState() {
  const { data: status, isPending } = useRegistryStatus();
  if (isPending || !status) return <Skeleton height={48} />;
  if (!status.configured) {
    return <Alert severity="info">No registry is configured (--registry.host): the index stays empty.</Alert>;
  }
  return status.reachable ? (
    <Alert icon={<CheckCircleIcon />} severity="success">
      The registry {status.pullHost ? <strong>{status.pullHost}</strong> : null} is reachable.
    </Alert>
  ) : (
    <Alert icon={<ErrorIcon />} severity="error">
      The registry does not answer{status.message ? `: ${status.message}` : ''}. Lists show the last known index.
    </Alert>
  );
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

function RecentEvents() {
  const { data, isPending } = useGetList<RecentEvent>('events', {
    filter: { action: ['push', 'delete'] },
    sort: { field: 'timestamp', order: 'DESC' },
    pagination: { page: 1, perPage: 8 },
  });
  if (isPending) return <Skeleton height={120} />;
  if (!data?.length) return <Typography color="text.secondary">No push or delete recorded yet.</Typography>;
  return (
    <List dense disablePadding>
      {data.map((event) => (
        <ListItem key={event.id} disableGutters>
          <ListItemText
            primary={`${event.action === 'delete' ? 'Deleted' : 'Pushed'} ${event.repository}${event.tag ? `:${event.tag}` : ''}`}
            secondary={`${when(event.timestamp)} by ${event.actor || 'unknown'}`}
          />
        </ListItem>
      ))}
    </List>
  );
}

function RecentPushes() {
  const { data, isPending } = useGetList<RecentTag>('tags', {
    sort: { field: 'pushedAt', order: 'DESC' },
    pagination: { page: 1, perPage: 8 },
  });
  if (isPending) return <Skeleton height={120} />;
  const pushed = (data ?? []).filter((tag) => tag.pushedAt);
  if (!pushed.length) return <Typography color="text.secondary">No push recorded yet.</Typography>;
  return (
    <List dense disablePadding>
      {pushed.map((tag) => (
        <ListItem key={tag.id} disableGutters>
          <ListItemText
            primary={
              <Link component={RouterLink} to={`/tags/${encodeURIComponent(tag.id)}/show`}>
                {tag.id}
              </Link>
            }
            secondary={`pushed ${when(tag.pushedAt)}`}
          />
        </ListItem>
      ))}
    </List>
  );
}

export default function Dashboard() {
  const { permissions } = usePermissions<string | undefined>();
  const staff = permissions === 'admin' || permissions === 'manager';
  const { data: stats } = useGetOne<Stats>('registry', { id: 'stats' });
  const { data: status } = useRegistryStatus();
  return (
    <Box sx={{ mt: 2 }}>
      <Title title="Dashboard" />
      <RegistryState />
      <Grid container spacing={2} sx={{ mt: 1 }}>
        <Grid size={{ xs: 6, md: 3 }}>
          <Total label="Repositories" value={stats?.repositories} />
        </Grid>
        <Grid size={{ xs: 6, md: 3 }}>
          <Total label="Tags" value={stats?.tags} />
        </Grid>
        <Grid size={{ xs: 6, md: 3 }}>
          <Total label="Storage" value={stats ? formatBytes(stats.size) : undefined} />
        </Grid>
        {staff ? (
          <Grid size={{ xs: 6, md: 3 }}>
            <Total label="Users" value={status?.users ?? undefined} />
          </Grid>
        ) : null}
        <Grid size={{ xs: 12 }}>
          <Card>
            <CardHeader
              title={staff ? 'Recent pushes and deletes' : 'Recent pushes'}
              titleTypographyProps={{ variant: 'h6', component: 'h2' }}
              action={
                <Link component={RouterLink} to="/repositories" sx={{ mr: 1 }}>
                  All repositories
                </Link>
              }
            />
            <CardContent sx={{ pt: 0 }}>{staff ? <RecentEvents /> : <RecentPushes />}</CardContent>
          </Card>
        </Grid>
      </Grid>
    </Box>
  );
}
