import { Create } from 'react-admin';
import { AccessRuleForm, toRuleBody } from './AccessRuleForm';

export default function AccessRuleCreate() {
  return (
    <Create redirect="list" transform={toRuleBody} title="New access rule">
      <AccessRuleForm />
    </Create>
  );
}
