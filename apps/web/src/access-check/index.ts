/**
 * The access checker as a resource whose list is the checker page (`/access-check`, the API's own path), so it sits
 * in the menu like the other admin screens. The page loads lazily.
 */
import PolicyIcon from '@mui/icons-material/Policy';
import { lazyView } from '../lazy-view';

export default {
  list: lazyView(() => import('./AccessCheck')),
  icon: PolicyIcon,
  options: { label: 'Access checker' },
};
