/** The audit-events resource: the audit log (admins and managers). The view loads lazily. */
import HistoryIcon from '@mui/icons-material/History';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./AuditList')),
  icon: HistoryIcon,
  options: { label: 'Audit log' },
};
