import {
  AutocompleteArrayInput,
  BooleanInput,
  DateField,
  Edit,
  Labeled,
  PasswordInput,
  ReferenceArrayInput,
  SelectInput,
  SimpleForm,
  TextInput,
  useRecordContext,
} from 'react-admin';
import { roleChoices } from './roles';
import { UserActions } from './UserActions';

function UserTitle() {
  const user = useRecordContext<{ login: string }>();
  return <span>User {user?.login ?? ''}</span>;
}

export default function UserEdit() {
  return (
    <Edit mutationMode="pessimistic" actions={<UserActions />} title={<UserTitle />}>
      <SimpleForm>
        <TextInput source="login" disabled />
        <TextInput source="name" />
        <TextInput source="email" type="email" />
        <SelectInput source="role" choices={roleChoices} />
        <BooleanInput source="disabled" helperText="a disabled account authenticates nowhere" />
        <ReferenceArrayInput source="groups" reference="groups">
          <AutocompleteArrayInput optionText="name" />
        </ReferenceArrayInput>
        <PasswordInput
          source="password"
          label="New password"
          helperText="Sets a new password for the account; leave empty to keep the current one"
          autoComplete="new-password"
        />
        <Labeled label="Password changed">
          <DateField source="passwordChangedAt" showTime />
        </Labeled>
      </SimpleForm>
    </Edit>
  );
}
