/**
 * Every tag the caller may see, across repositories: searched on the server over `repository:tag` (so `app:1.` finds
 * the 1.x tags of every repository named like app), sorted and paged there too.
 */
import { Datagrid, DateField, FunctionField, List, SearchInput, TextField } from 'react-admin';
import { EmptyState } from '../repositories/EmptyState';
import { formatBytes } from '../repositories/format';
import { ListPagination } from '../repositories/ListPagination';
import { shortDigest, type TagRecord } from '../repositories/RepositoryTags';

const filters = [<SearchInput key="q" source="q" alwaysOn placeholder="Search repository:tag" />];

export default function TagList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'pushedAt', order: 'DESC' }}
      perPage={25}
      pagination={<ListPagination rowsPerPageOptions={[25, 50, 100]} />}
      empty={<EmptyState title="No tags yet" text="Push an image to the registry and its tags appear here." />}
    >
      <Datagrid
        bulkActionButtons={false}
        rowClick="show"
        empty={<EmptyState title="No tag matches" text="Search by repository, tag or repository:tag." />}
      >
        <TextField source="repository" />
        <TextField source="name" label="Tag" />
        <FunctionField<TagRecord>
          label="Digest"
          sortable={false}
          render={(tag) => <code title={tag.digest}>{shortDigest(tag.digest)}</code>}
        />
        <FunctionField<TagRecord> source="size" label="Size" render={(tag) => formatBytes(tag.size)} />
        <DateField source="pushedAt" label="Pushed" showTime emptyText="—" />
      </Datagrid>
    </List>
  );
}
