// The host-facing part of @os/kernel: what reads the host's clock or arms the host's timers. Only
// trusted code (a kernel backend's default, `os run`, a program that boots a system) imports it; it is
// never granted to a confined component, which reaches time only through its Timer and Rtc sessions.

export { RealClock } from './real-clock.js';
