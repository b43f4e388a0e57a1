/** The repositories resource: what the registry holds, as the index knows it. Views load lazily. */
import StorageIcon from '@mui/icons-material/Storage';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./RepositoryList')),
  show: lazy(() => import('./RepositoryShow')),
  icon: StorageIcon,
  recordRepresentation: 'name',
};
