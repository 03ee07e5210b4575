// The few extension APIs the filler uses, typed by hand (the project does not depend on @types/chrome).

declare namespace chrome {
  namespace runtime {
    const id: string;
    const lastError: { message?: string } | undefined;
    interface MessageSender {
      id?: string;
      url?: string;
      tab?: { id?: number; url?: string };
      frameId?: number;
    }
    function getURL(path: string): string;
    function sendMessage<Response = unknown>(message: unknown): Promise<Response>;
    function openOptionsPage(): Promise<void>;
    const onMessage: {
      addListener(callback: (message: unknown, sender: MessageSender, sendResponse: (response: unknown) => void) => boolean | void): void;
    };
    const onInstalled: { addListener(callback: () => void): void };
  }
  namespace storage {
    const local: {
      get(keys: string[]): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string[]): Promise<void>;
    };
  }
  namespace tabs {
    interface Tab {
      id?: number;
      url?: string;
    }
    function query(query: { active?: boolean; lastFocusedWindow?: boolean; url?: string }): Promise<Tab[]>;
    function sendMessage<Response = unknown>(tabId: number, message: unknown, options?: { frameId?: number }): Promise<Response>;
  }
  namespace action {
    function setBadgeText(details: { tabId?: number; text: string }): Promise<void>;
    function setBadgeBackgroundColor(details: { tabId?: number; color: string }): Promise<void>;
  }
}
