/** The tags resource: every tag searched across repositories, and one tag's page. Views load lazily. */
import LabelIcon from '@mui/icons-material/Label';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./TagList')),
  show: lazy(() => import('./TagShow')),
  icon: LabelIcon,
  recordRepresentation: 'id',
};
