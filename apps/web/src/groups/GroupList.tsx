import { Datagrid, DateField, FunctionField, List, SearchInput, TextField } from 'react-admin';

const filters = [<SearchInput key="q" source="q" alwaysOn />];

export default function GroupList() {
  return (
    <List filters={filters} sort={{ field: 'name', order: 'ASC' }}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="description" />
        <FunctionField<{ members: number[] }> label="Members" render={(record) => record.members.length} />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
