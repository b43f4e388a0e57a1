/** The access-rules resource: who may pull, push or delete which repositories. Views load lazily. */
import RuleIcon from '@mui/icons-material/Rule';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./AccessRuleList')),
  create: lazy(() => import('./AccessRuleCreate')),
  edit: lazy(() => import('./AccessRuleEdit')),
  icon: RuleIcon,
  recordRepresentation: 'pattern',
  options: { label: 'Access rules' },
};
