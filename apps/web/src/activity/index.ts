/** The events resource: the activity log of registry notifications (admins and managers). The view loads lazily. */
import TimelineIcon from '@mui/icons-material/Timeline';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./ActivityList')),
  icon: TimelineIcon,
  options: { label: 'Activity log' },
};
