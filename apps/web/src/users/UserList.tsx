import {
  BooleanField,
  Datagrid,
  DateField,
  EmailField,
  List,
  SearchInput,
  SelectField,
  SelectInput,
  TextField,
  usePermissions,
} from 'react-admin';
import { roleChoices } from './roles';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="role" source="role" choices={roleChoices} />,
];

export default function UserList() {
  // Managers read accounts; only admins open them for editing (the API refuses a manager's writes).
  const { permissions } = usePermissions<string>();
  return (
    <List filters={filters} sort={{ field: 'login', order: 'ASC' }}>
      <Datagrid rowClick={permissions === 'admin' ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="login" />
        <TextField source="name" />
        <EmailField source="email" />
        <SelectField source="role" choices={roleChoices} />
        {/* Only disabled accounts are marked: a cross on every active one would read as an error. */}
        <BooleanField source="disabled" FalseIcon={null} />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
