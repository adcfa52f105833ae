"""What a clerk reads when a file cannot be used: what is wrong and what to do, Chinese and English."""
from __future__ import annotations

from core.errors import IngestError
from core.records import IngestIssue

_TEXTS: dict[str, tuple[str, str]] = {
    "empty": ("文件为空（0 字节），请重新提交该文件。",
              "The file is empty (0 bytes); ask the applicant to submit it again."),
    "corrupt": ("文件已损坏，无法打开，请重新扫描或重新导出后提交。",
                "The file is damaged and cannot be opened; re-scan or re-export it and submit again."),
    "truncated": ("文件不完整（上传或复制时被截断），请重新提交完整文件。",
                  "The file is incomplete (cut off during upload or copy); submit the complete file again."),
    "encrypted": ("文件设有打开密码，请提交未加密的版本。",
                  "The file is password-protected; submit a version without a password."),
    "unsupported": ("不支持的文件格式，请另存为 PDF、JPG 或 DOCX/XLSX 后提交。",
                    "Unsupported file format; save it as PDF, JPG or DOCX/XLSX and submit again."),
    "old_office": ("旧版 Office/WPS 格式（.doc/.xls/.wps）无法读取，请用 Word/WPS “另存为” .docx 或 .pdf（表格另存为 .xlsx）后提交。",
                   "Old Office/WPS format (.doc/.xls/.wps) cannot be read; use Save As .docx or .pdf "
                   "(spreadsheets: .xlsx) in Word/WPS and submit again."),
    "too_large": ("文件过大或异常（可能是压缩炸弹），已拒绝读取，请检查后重新提交。",
                  "The file is too large or abnormal (possibly a decompression bomb) and was refused; "
                  "check it and submit again."),
    "unsafe_path": ("压缩包内的文件路径不安全（绝对路径或“..”），已拒绝，请重新打包。",
                    "A path inside the zip is unsafe (absolute or '..'); it was refused. Re-create the zip."),
    "nested": ("压缩包内嵌套了多层压缩包，请解压后重新打包提交。",
               "Archives nested too deep inside the zip; unpack them and submit one zip."),
    "archive": ("不支持的压缩格式（如 RAR/7z），请改用 ZIP 或直接提交文件夹。",
                "Unsupported archive (e.g. RAR/7z); use ZIP or submit the folder."),
    "timeout": ("读取该文件超时（文件结构异常，例如页面内容引用自身），已停止读取；请重新导出或重新扫描后提交。",
                "Reading the file took too long (a broken structure, e.g. page content that refers to itself) "
                "and was stopped; re-export or re-scan it and submit again."),
    "page": ("此页无法读取，其余页面已正常处理；如需要请重新扫描此页。",
             "This page could not be read; the other pages were processed. Re-scan the page if needed."),
}


def clerk_message(kind: str, detail: str = "") -> str:
    zh, en = _TEXTS[kind]
    return f"{zh} {en}" + (f" ({detail})" if detail else "")


def ingest_error(kind: str, detail: str = "", *, category: str | None = None) -> IngestError:
    """An `IngestError` whose message is the clerk's text for `kind`."""
    cat = category or {"old_office": "unsupported", "nested": "unsupported",
                       "archive": "unsupported", "page": "corrupt"}.get(kind, kind)
    return IngestError(clerk_message(kind, detail), category=cat)


def issue(kind: str, detail: str = "", *, stage: str = "ingest", page: int | None = None,
          category: str | None = None) -> IngestIssue:
    err = ingest_error(kind, detail, category=category)
    return IngestIssue(stage=stage, category=err.category, message=err.args[0], page=page)


def issue_from(err: IngestError, *, stage: str = "ingest", page: int | None = None) -> IngestIssue:
    return IngestIssue(stage=stage, category=err.category, message=err.args[0], page=page)
