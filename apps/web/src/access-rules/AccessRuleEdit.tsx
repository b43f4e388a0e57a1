import { Edit, useRecordContext } from 'react-admin';
import { AccessRuleForm, toRuleBody } from './AccessRuleForm';

function RuleTitle() {
  const rule = useRecordContext<{ pattern: string }>();
  return <span>Access rule {rule ? `on ${rule.pattern}` : ''}</span>;
}

export default function AccessRuleEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={toRuleBody} redirect="list" title={<RuleTitle />}>
      <AccessRuleForm />
    </Edit>
  );
}
