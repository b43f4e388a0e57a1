/** The audit-events resource: the audit log (admins and managers). The view loads lazily. */
import HistoryIcon from '@mui/icons-material/History';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./AuditList')),
  icon: HistoryIcon,
  options: { label: 'Audit log' },
};
