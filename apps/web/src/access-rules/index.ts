/** The access-rules resource: who may pull, push or delete which repositories. Views load lazily. */
import RuleIcon from '@mui/icons-material/Rule';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./AccessRuleList')),
  create: lazyView(() => import('./AccessRuleCreate')),
  edit: lazyView(() => import('./AccessRuleEdit')),
  icon: RuleIcon,
  recordRepresentation: 'pattern',
  options: { label: 'Access rules' },
};
