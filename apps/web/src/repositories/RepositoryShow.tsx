/**
 * One repository: its numbers and pull command on top; tabs for its tags (sorted by version, multi-select delete when
 * the caller may delete), who can access it (admins and managers) and its activity (the registry's events for it).
 */
import { Box, Card, CardContent, Chip, Stack, Typography } from '@mui/material';
import { lazy, Suspense } from 'react';
import { Loading, Show, TabbedShowLayout, usePermissions, useRecordContext } from 'react-admin';
import { CopyText } from './CopyText';
import { formatBytes } from './format';
import { RepositoryTags } from './RepositoryTags';
import { pullCommand, useRegistryStatus } from './registry-status';

const RepositoryAccess = lazy(() => import('./RepositoryAccess'));
const RepositoryActivity = lazy(() => import('./RepositoryActivity'));

export interface RepositoryRecord {
  id: number;
  name: string;
  tagCount: number;
  size: number;
  lastPushAt: string | null;
  pulls: number;
  lastPullAt: string | null;
  /** What the caller may do here; absent while the list row stands in for the record. */
  actions?: string[];
}

function RepositoryTitle() {
  const record = useRecordContext<RepositoryRecord>();
  return <span>{record ? `Repository ${record.name}` : 'Repository'}</span>;
}

function Summary() {
  const record = useRecordContext<RepositoryRecord>();
  const { data: status } = useRegistryStatus();
  if (!record) return null;
  return (
    <CardContent>
      <Typography variant="h5" component="h1" sx={{ wordBreak: 'break-all' }}>
        {record.name}
      </Typography>
      <Stack direction="row" spacing={3} sx={{ my: 1, flexWrap: 'wrap', color: 'text.secondary' }}>
        <span>{record.tagCount} tags</span>
        <span>{formatBytes(record.size)}</span>
        <span>last push {record.lastPushAt ? new Date(record.lastPushAt).toLocaleString() : 'never'}</span>
        <span>{record.pulls} pulls</span>
      </Stack>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <CopyText text={pullCommand(status?.pullHost, record.name)} label="Copy the pull command" />
        {['pull', 'push', 'delete'].map((action) =>
          record.actions?.includes(action) ? (
            <Chip key={action} size="small" label={`you may ${action}`} variant="outlined" />
          ) : null,
        )}
      </Stack>
    </CardContent>
  );
}

export default function RepositoryShow() {
  const { permissions } = usePermissions<string | undefined>();
  const staff = permissions === 'admin' || permissions === 'manager';
  return (
    <Show title={<RepositoryTitle />} component={Box}>
      <Card sx={{ mb: 2 }}>
        <Summary />
      </Card>
      <Card>
        <TabbedShowLayout>
          <TabbedShowLayout.Tab label="Tags">
            <RepositoryTags />
          </TabbedShowLayout.Tab>
          {staff ? (
            <TabbedShowLayout.Tab label="Who can access" path="access">
              <Suspense fallback={<Loading />}>
                <RepositoryAccess />
              </Suspense>
            </TabbedShowLayout.Tab>
          ) : null}
          <TabbedShowLayout.Tab label="Activity" path="activity">
            <Suspense fallback={<Loading />}>
              <RepositoryActivity />
            </Suspense>
          </TabbedShowLayout.Tab>
        </TabbedShowLayout>
      </Card>
    </Show>
  );
}
