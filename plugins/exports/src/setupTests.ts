import '@testing-library/jest-dom';

// jsdom has no layout: recharts' ResponsiveContainer needs ResizeObserver to exist (charts then
// render at zero size; tests check the measured figures around them, Chromium the drawing).
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as any).ResizeObserver ??= ResizeObserverStub;
