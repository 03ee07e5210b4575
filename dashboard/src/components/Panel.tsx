// A panel of a screen: a section named by its own heading (the browser test and screen readers find it by it).
import type { ReactNode } from 'react';

export function Panel({ headingId, heading, wide = false, children }: { headingId: string; heading: ReactNode; wide?: boolean; children?: ReactNode }) {
  return (
    <section className={wide ? 'panel wide' : 'panel'} aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      {children}
    </section>
  );
}
