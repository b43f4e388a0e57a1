/** The tags resource: every tag searched across repositories, and one tag's page. Views load lazily. */
import LabelIcon from '@mui/icons-material/Label';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./TagList')),
  show: lazyView(() => import('./TagShow')),
  icon: LabelIcon,
  recordRepresentation: 'id',
};
