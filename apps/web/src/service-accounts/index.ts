/** The service-accounts resource: credentials for CI and deployments, with a secret shown once. Views load lazily. */
import SmartToyIcon from '@mui/icons-material/SmartToy';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./ServiceAccountList')),
  create: lazy(() => import('./ServiceAccountCreate')),
  edit: lazy(() => import('./ServiceAccountEdit')),
  icon: SmartToyIcon,
  recordRepresentation: 'name',
  options: { label: 'Service accounts' },
};
