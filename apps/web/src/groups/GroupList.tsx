import { Datagrid, DateField, FunctionField, List, SearchInput, TextField, usePermissions } from 'react-admin';

const filters = [<SearchInput key="q" source="q" alwaysOn />];

export default function GroupList() {
  // Managers read groups; only admins open them for editing (the API refuses a manager's writes).
  const { permissions } = usePermissions<string>();
  return (
    <List filters={filters} sort={{ field: 'name', order: 'ASC' }}>
      <Datagrid rowClick={permissions === 'admin' ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="description" />
        <FunctionField<{ members: number[] }> label="Members" render={(record) => record.members.length} />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
