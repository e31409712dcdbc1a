/** The console's dates: the same as the letters' (services/shared/wib-date.ts), bundled from there. */
export { formatDate } from '../../services/shared/wib-date';
