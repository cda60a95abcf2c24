export { EventVolumeChart, pivotVolume } from './EventVolumeChart';
