import {
  BooleanField,
  DatagridConfigurable,
  DateField,
  EmailField,
  List,
  SearchInput,
  SelectInput,
  TextField,
} from 'react-admin';
import { roleChoices } from './roles';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="role" source="role" choices={roleChoices} />,
];

export default function UserList() {
  return (
    <List filters={filters} sort={{ field: 'login', order: 'ASC' }}>
      <DatagridConfigurable rowClick="edit" bulkActionButtons={false}>
        <TextField source="login" />
        <TextField source="name" />
        <EmailField source="email" />
        <TextField source="role" />
        <BooleanField source="disabled" />
        <DateField source="createdAt" label="Created" />
      </DatagridConfigurable>
    </List>
  );
}
