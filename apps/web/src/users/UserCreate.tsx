import {
  AutocompleteArrayInput,
  BooleanInput,
  Create,
  PasswordInput,
  ReferenceArrayInput,
  required,
  SelectInput,
  SimpleForm,
  TextInput,
} from 'react-admin';
import { roleChoices } from './roles';

export default function UserCreate() {
  return (
    <Create redirect="list">
      <SimpleForm defaultValues={{ role: 'user', disabled: false }}>
        <TextInput source="login" validate={required()} autoComplete="off" />
        <PasswordInput source="password" validate={required()} autoComplete="new-password" />
        <TextInput source="name" />
        <TextInput source="email" type="email" />
        <SelectInput source="role" choices={roleChoices} validate={required()} />
        <BooleanInput source="disabled" />
        <ReferenceArrayInput source="groups" reference="groups">
          <AutocompleteArrayInput optionText="name" />
        </ReferenceArrayInput>
      </SimpleForm>
    </Create>
  );
}
