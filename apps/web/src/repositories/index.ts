/** The repositories resource: what the registry holds, as the index knows it. Views load lazily. */
import StorageIcon from '@mui/icons-material/Storage';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./RepositoryList')),
  show: lazyView(() => import('./RepositoryShow')),
  icon: StorageIcon,
  recordRepresentation: 'name',
};
