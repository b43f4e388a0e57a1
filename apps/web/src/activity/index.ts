/** The events resource: the activity log of registry notifications (admins and managers). The view loads lazily. */
import TimelineIcon from '@mui/icons-material/Timeline';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./ActivityList')),
  icon: TimelineIcon,
  options: { label: 'Activity log' },
};
