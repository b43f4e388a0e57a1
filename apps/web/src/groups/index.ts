/** The groups resource: named sets of users that access rules name. Views load lazily. */
import GroupsIcon from '@mui/icons-material/Groups';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./GroupList')),
  create: lazyView(() => import('./GroupCreate')),
  edit: lazyView(() => import('./GroupEdit')),
  icon: GroupsIcon,
  recordRepresentation: 'name',
};
