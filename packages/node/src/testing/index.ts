export { claimAsOutsider, writeAsZombie } from './kafka-outsider.js';
