/**
 * Search, sort and pagination all happen on the server: the index can hold far more rows than a page shows. Each row
 * offers its `docker pull` command; a click opens the repository.
 */
import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  NumberField,
  SearchInput,
  TextField,
  useListContext,
} from 'react-admin';
import { CopyText } from './CopyText';
import { EmptyState } from './EmptyState';
import { formatBytes } from './format';
import { ListPagination } from './ListPagination';
import { pullCommand, useRegistryStatus } from './registry-status';

const filters = [<SearchInput key="q" source="q" alwaysOn placeholder="Search repositories" />];

interface RepositoryRow {
  id: number;
  name: string;
  size: number;
}

function NoRepositories() {
  const { filterValues } = useListContext();
  return filterValues.q ? (
    <EmptyState title="No repository matches" text={`Nothing named like “${String(filterValues.q)}”.`} />
  ) : (
    <EmptyState
      title="No repositories yet"
      text="Push an image to the registry and it appears here (or ask an admin to run a sync)."
    />
  );
}

export default function RepositoryList() {
  const { data: status } = useRegistryStatus();
  return (
    <List
      filters={filters}
      sort={{ field: 'name', order: 'ASC' }}
      perPage={25}
      pagination={<ListPagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      empty={<NoRepositories />}
    >
      <Datagrid bulkActionButtons={false} rowClick="show" empty={<NoRepositories />}>
        <TextField source="name" />
        <NumberField source="tagCount" label="Tags" />
        <FunctionField<RepositoryRow> source="size" label="Size" render={(record) => formatBytes(record.size)} />
        <DateField source="lastPushAt" label="Last push" showTime emptyText="never" />
        <NumberField source="pulls" />
        <FunctionField<RepositoryRow>
          label="Pull"
          sortable={false}
          render={(record) => (
            <CopyText
              text={pullCommand(status?.pullHost, record.name)}
              label={`Copy the pull command of ${record.name}`}
            />
          )}
        />
      </Datagrid>
    </List>
  );
}
