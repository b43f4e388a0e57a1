import { Datagrid, DateField, FunctionField, List, NumberField, SearchInput, TextField } from 'react-admin';
import { formatBytes } from './format';

const filters = [<SearchInput key="q" source="q" alwaysOn />];

/** Search, sort and pagination all happen on the server: the index can hold far more rows than a page shows. */
export default function RepositoryList() {
  return (
    <List filters={filters} sort={{ field: 'name', order: 'ASC' }} perPage={25}>
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="name" />
        <NumberField source="tagCount" label="Tags" />
        <FunctionField<{ size: number }> source="size" label="Size" render={(record) => formatBytes(record.size)} />
        <DateField source="lastPushAt" label="Last push" showTime emptyText="never" />
        <NumberField source="pulls" />
      </Datagrid>
    </List>
  );
}
