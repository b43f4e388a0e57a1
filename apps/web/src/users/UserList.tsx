import {
  BooleanField,
  BooleanInput,
  ChipField,
  Datagrid,
  DateField,
  EmailField,
  List,
  ReferenceArrayField,
  ReferenceInput,
  SearchInput,
  SelectField,
  SelectInput,
  SingleFieldList,
  TextField,
  usePermissions,
} from 'react-admin';
import { roleChoices } from './roles';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="role" source="role" choices={roleChoices} />,
  <ReferenceInput key="group" source="group" reference="groups">
    <SelectInput optionText="name" label="Group" />
  </ReferenceInput>,
  <BooleanInput key="disabled" source="disabled" />,
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
        <ReferenceArrayField source="groups" reference="groups" sortable={false}>
          <SingleFieldList linkType={false}>
            <ChipField source="name" size="small" />
          </SingleFieldList>
        </ReferenceArrayField>
        {/* Only disabled accounts are marked: a cross on every active one would read as an error. */}
        <BooleanField source="disabled" FalseIcon={null} />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
