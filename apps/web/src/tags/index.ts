/** The tags resource: one tag's page (a repository's page lists them). Loaded lazily: it is the heaviest view. */
import LabelIcon from '@mui/icons-material/Label';
import { lazy } from 'react';

export default {
  show: lazy(() => import('./TagShow')),
  icon: LabelIcon,
  recordRepresentation: 'id',
};
