import { Edit } from 'react-admin';
import { AccessRuleForm, toRuleBody } from './AccessRuleForm';

export default function AccessRuleEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={toRuleBody} redirect="list">
      <AccessRuleForm />
    </Edit>
  );
}
