import { Datagrid, DateField, List, SearchInput, SelectInput, TextField, usePermissions } from 'react-admin';
import { ActionsField, SubjectField, subjectChoices } from './subjects';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="subjectType" source="subjectType" label="Who" choices={subjectChoices} />,
];

export default function AccessRuleList() {
  // Managers read the rules; only admins open them in the editor (the API refuses a manager's writes).
  const { permissions } = usePermissions<string>();
  return (
    <List filters={filters} sort={{ field: 'pattern', order: 'ASC' }}>
      <Datagrid rowClick={permissions === 'admin' ? 'edit' : false} bulkActionButtons={false}>
        <SubjectField label="Who" />
        <ActionsField label="May" />
        <TextField source="pattern" label="Repositories" sx={{ fontFamily: 'monospace' }} />
        <TextField source="description" sortable={false} />
        <DateField source="updatedAt" label="Changed" />
      </Datagrid>
    </List>
  );
}
