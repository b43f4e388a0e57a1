/** The fields of a group, shared by its create and edit pages. */
import { AutocompleteArrayInput, ReferenceArrayInput, required, SimpleForm, TextInput } from 'react-admin';

export function GroupForm() {
  return (
    <SimpleForm>
      <TextInput source="name" validate={required()} />
      <TextInput source="description" multiline />
      <ReferenceArrayInput source="members" reference="users">
        <AutocompleteArrayInput optionText="login" />
      </ReferenceArrayInput>
    </SimpleForm>
  );
}
