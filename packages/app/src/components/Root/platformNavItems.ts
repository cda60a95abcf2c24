import { IconComponent } from '@backstage/core-plugin-api';
import FilterListIcon from '@material-ui/icons/FilterList';
import FavoriteIcon from '@material-ui/icons/FavoriteBorder';
import TrackChangesIcon from '@material-ui/icons/TrackChanges';
import TimerIcon from '@material-ui/icons/Timer';
import PolicyIcon from '@material-ui/icons/Policy';
import TrendingUpIcon from '@material-ui/icons/TrendingUp';
import GetAppIcon from '@material-ui/icons/GetApp';

/**
 * The sidebar's "Platform" section. An entry is added here when its plugin's page lands in
 * App.tsx; no entry points to a page that does not exist.
 */
export const platformNavItems: {
  to: string;
  text: string;
  icon: IconComponent;
}[] = [
  { to: '/platform/health', text: 'Platform health', icon: FavoriteIcon },
  { to: '/data-explorer', text: 'Data explorer', icon: FilterListIcon },
  { to: '/slos', text: 'SLOs', icon: TrackChangesIcon },
  { to: '/capacity', text: 'Capacity', icon: TimerIcon },
  { to: '/policies', text: 'Policies', icon: PolicyIcon },
  { to: '/adoption', text: 'Adoption', icon: TrendingUpIcon },
  { to: '/exports', text: 'Exports', icon: GetAppIcon },
];
