// A list's filters live in the address (`/transactions?status=declined&cardId=card_…`): links from other screens
// open a filtered list, and a filtered list can be bookmarked or shared.
import { useSearchParams } from 'wouter';

export function useUrlFilters<Name extends string>(names: readonly Name[]): [Record<Name, string>, (next: Partial<Record<Name, string>>) => void] {
  const [searchParams, setSearchParams] = useSearchParams();
  const values = Object.fromEntries(names.map((name) => [name, searchParams.get(name) ?? ''])) as Record<Name, string>;
  const apply = (next: Partial<Record<Name, string>>) => {
    const merged = { ...values, ...next };
    const kept = Object.entries(merged).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '');
    setSearchParams(kept.map(([name, value]) => [name, value.trim()]), { replace: true });
  };
  return [values, apply];
}
