/** The service-accounts resource: credentials for CI and deployments, with a secret shown once. Views load lazily. */
import SmartToyIcon from '@mui/icons-material/SmartToy';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./ServiceAccountList')),
  create: lazyView(() => import('./ServiceAccountCreate')),
  edit: lazyView(() => import('./ServiceAccountEdit')),
  icon: SmartToyIcon,
  recordRepresentation: 'name',
  options: { label: 'Service accounts' },
};
