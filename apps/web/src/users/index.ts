/** The users resource: admins create, edit and list accounts. Views load lazily, on first visit. */
import PeopleIcon from '@mui/icons-material/People';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./UserList')),
  create: lazyView(() => import('./UserCreate')),
  edit: lazyView(() => import('./UserEdit')),
  icon: PeopleIcon,
  recordRepresentation: 'login',
};
