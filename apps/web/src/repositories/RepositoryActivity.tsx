/** A repository's activity: the registry's events for it (pushes, pulls, deletes), newest first, paged on the server. */
import { Datagrid, DateField, FunctionField, ListBase, Pagination, TextField, useRecordContext } from 'react-admin';
import { EmptyState } from './EmptyState';
import type { RepositoryRecord } from './RepositoryShow';
import { shortDigest } from './RepositoryTags';

interface EventRecord {
  id: string;
  action: string;
  tag: string | null;
  digest: string | null;
}

export default function RepositoryActivity() {
  const repository = useRecordContext<RepositoryRecord>();
  if (!repository) return null;
  return (
    <ListBase
      resource={`repositories/${repository.id}/events`}
      sort={{ field: 'timestamp', order: 'DESC' }}
      perPage={25}
      disableSyncWithLocation
    >
      <Datagrid
        bulkActionButtons={false}
        rowClick={false}
        empty={<EmptyState title="No activity recorded" text="The registry has sent no event for this repository." />}
      >
        <DateField source="timestamp" label="When" showTime />
        <TextField source="action" />
        <TextField source="tag" emptyText="—" sortable={false} />
        <FunctionField<EventRecord>
          label="Digest"
          sortable={false}
          render={(event) => (event.digest ? <code title={event.digest}>{shortDigest(event.digest)}</code> : '—')}
        />
        <TextField source="actor" />
      </Datagrid>
      <Pagination rowsPerPageOptions={[25, 50]} />
    </ListBase>
  );
}
