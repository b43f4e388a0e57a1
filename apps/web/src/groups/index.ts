/** The groups resource: named sets of users that access rules name. Views load lazily. */
import GroupsIcon from '@mui/icons-material/Groups';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./GroupList')),
  create: lazy(() => import('./GroupCreate')),
  edit: lazy(() => import('./GroupEdit')),
  icon: GroupsIcon,
  recordRepresentation: 'name',
};
