/** One line of text for people, in Norwegian bokmål (what nurses see) and English. */
export interface LocalizedText {
  nb: string
  en: string
}
