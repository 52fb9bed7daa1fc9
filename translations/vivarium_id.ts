<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>QApplication</name>
    <message>
        <location filename="../app/gui/main.cpp" line="+25"/>
        <source>Vivarium</source>
        <translation>Vivarium</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Watch and manage Vivarium sandboxes.</source>
        <translation>Pantau dan kelola sandbox Vivarium.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save the window as a PNG once a run is shown, then quit.</source>
        <translation>Simpan jendela sebagai PNG setelah sebuah eksekusi ditampilkan, lalu keluar.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>file</source>
        <translation>berkas</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::FilesModel</name>
    <message>
        <location filename="../app/gui/FilesModel.cpp" line="+22"/>
        <source>Folder</source>
        <translation>Folder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>File</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Link to %1</source>
        <translation>Tautan ke %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other</source>
        <translation>Lainnya</translation>
    </message>
    <message>
        <location line="+190"/>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Owner %1, group %2</source>
        <translation>Pemilik %1, grup %2</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Type</source>
        <translation>Jenis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Permissions</source>
        <translation>Izin</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Modified</source>
        <translation>Diubah</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::FilesTab</name>
    <message>
        <location filename="../app/gui/FilesTab.cpp" line="+120"/>
        <source>Save File From the Sandbox</source>
        <translation>Simpan Berkas dari Sandbox</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save Files From the Sandbox Into</source>
        <translation>Simpan Berkas dari Sandbox ke</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Upload Files to %1</source>
        <translation>Unggah Berkas ke %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Files</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Files in the sandbox</source>
        <translation>Berkas di sandbox</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Folder in the sandbox</source>
        <translation>Folder di sandbox</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Folder path, e.g. /root</source>
        <translation>Jalur folder, mis. /root</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Up</source>
        <translation>&amp;Naik</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Go to the parent folder</source>
        <translation>Ke folder induk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re&amp;fresh</source>
        <translation>&amp;Muat ulang</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reload the folder</source>
        <translation>Muat ulang folder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Download…</source>
        <translation>&amp;Unduh…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected files on this computer</source>
        <translation>Simpan berkas yang dipilih di komputer ini</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Upload…</source>
        <translation>Ung&amp;gah…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy files from this computer into this folder; you can also drop them on the list</source>
        <translation>Salin berkas dari komputer ini ke folder ini; Anda juga bisa menjatuhkannya ke daftar</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>De&amp;lete…</source>
        <translation>&amp;Hapus…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete the selected files and folders</source>
        <translation>Hapus berkas dan folder yang dipilih</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Edit &amp;path</source>
        <translation>Ubah &amp;jalur</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type a folder to go to</source>
        <translation>Ketik folder yang dituju</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>No sandbox is selected.</source>
        <translation>Tidak ada sandbox yang dipilih.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is starting. Its files can be browsed once it is ready.</source>
        <translation>Sandbox sedang dimulai. Berkasnya bisa dijelajahi setelah siap.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is stopping.</source>
        <translation>Sandbox sedang dihentikan.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is being deleted.</source>
        <translation>Sandbox sedang dihapus.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the sandbox to browse its files.</source>
        <translation>Mulai sandbox untuk menjelajahi berkasnya.</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Cannot reach vivariumd: %1. Refresh to try again.</source>
        <translation>Tidak dapat menghubungi vivariumd: %1. Muat ulang untuk mencoba lagi.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the connection was lost</source>
        <translation>koneksi terputus</translation>
    </message>
    <message>
        <location line="+53"/>
        <location line="+44"/>
        <source>Cannot open %1: %2</source>
        <translation>Tidak dapat membuka %1: %2</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 is not a regular file, so it cannot be downloaded.</source>
        <translation>%1 bukan berkas biasa, jadi tidak dapat diunduh.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Folders cannot be downloaded yet: %1. Download the files inside them instead.</source>
        <translation>Folder belum dapat diunduh: %1. Unduh saja berkas di dalamnya.</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Cannot upload %1: it no longer exists.</source>
        <translation>Tidak dapat mengunggah %1: berkas itu sudah tidak ada.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Folders cannot be uploaded yet: %1. Drop or choose the files inside them instead.</source>
        <translation>Folder belum dapat diunggah: %1. Jatuhkan atau pilih saja berkas di dalamnya.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Replace %1 in %2 in the sandbox?</source>
        <translation>Ganti %1 di %2 dalam sandbox?</translation>
    </message>
    <message numerus="yes">
        <location line="+36"/>
        <source>%n items</source>
        <translation>
            <numerusform>%n item</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete %1 from the sandbox, with everything in the folders?</source>
        <translation>Hapus %1 dari sandbox, beserta seluruh isi foldernya?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete %1 from the sandbox?</source>
        <translation>Hapus %1 dari sandbox?</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cannot delete %1: %2</source>
        <translation>Tidak dapat menghapus %1: %2</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Waiting to upload %1…</source>
        <translation>Menunggu untuk mengunggah %1…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Waiting to download %1…</source>
        <translation>Menunggu untuk mengunduh %1…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 → sandbox %2</source>
        <translation>%1 → sandbox %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sandbox %1 → %2</source>
        <translation>sandbox %1 → %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel this transfer</source>
        <translation>Batalkan transfer ini</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Uploading %1 to %2…</source>
        <translation>Mengunggah %1 ke %2…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Downloading %1 to %2…</source>
        <translation>Mengunduh %1 ke %2…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 of %2</source>
        <translation>%1 dari %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>no such file or folder</source>
        <translation>berkas atau folder tidak ada</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>permission denied</source>
        <translation>izin ditolak</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is a folder</source>
        <translation>itu sebuah folder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is not a folder</source>
        <translation>itu bukan folder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is not a regular file</source>
        <translation>itu bukan berkas biasa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the folder has more than 100 000 entries</source>
        <translation>folder berisi lebih dari 100 000 entri</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the root folder and mount points cannot be deleted</source>
        <translation>folder akar dan titik kait tidak dapat dihapus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox is not running</source>
        <translation>sandbox tidak sedang berjalan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox stopped</source>
        <translation>sandbox berhenti</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox did not answer in time</source>
        <translation>sandbox tidak menjawab tepat waktu</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the connection to vivariumd was lost</source>
        <translation>koneksi ke vivariumd terputus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this connection&apos;s token does not allow it</source>
        <translation>token koneksi ini tidak mengizinkannya</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cancelled</source>
        <translation>dibatalkan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>cannot reach vivariumd (%1)</source>
        <translation>tidak dapat menghubungi vivariumd (%1)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Uploaded %1 to %2 (%3).</source>
        <translation>%1 diunggah ke %2 (%3).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloaded %1 to %2 (%3).</source>
        <translation>%1 diunduh ke %2 (%3).</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancelled.</source>
        <translation>Dibatalkan.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cannot upload %1: %2</source>
        <translation>Tidak dapat mengunggah %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot download %1: %2</source>
        <translation>Tidak dapat mengunduh %1: %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove this line</source>
        <translation>Hapus baris ini</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::MainWindow</name>
    <message>
        <location filename="../app/gui/MainWindow.cpp" line="+38"/>
        <location line="+231"/>
        <source>Vivarium</source>
        <translation>Vivarium</translation>
    </message>
    <message>
        <location line="-225"/>
        <source>Starting vivariumd…</source>
        <translation>Memulai vivariumd…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not connected: %1</source>
        <translation>Tidak terhubung: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cannot connect to vivariumd.</source>
        <translation>Tidak dapat terhubung ke vivariumd.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Disconnected from vivariumd. Press F5 to reconnect.</source>
        <translation>Terputus dari vivariumd. Tekan F5 untuk menyambung ulang.</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>&amp;New Sandbox…</source>
        <translation>Sandbox &amp;Baru…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create a sandbox (%1)</source>
        <translation>Buat sandbox (%1)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Start</source>
        <translation>&amp;Mulai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the selected sandboxes (Ctrl+R)</source>
        <translation>Mulai sandbox yang dipilih (Ctrl+R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>start</source>
        <translation>memulai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>S&amp;top</source>
        <translation>Hen&amp;tikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stop the selected sandboxes (Ctrl+.)</source>
        <translation>Hentikan sandbox yang dipilih (Ctrl+.)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stop</source>
        <translation>menghentikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Delete…</source>
        <translation>&amp;Hapus…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Delete the selected sandboxes (Delete)</source>
        <translation>Hapus sandbox yang dipilih (Delete)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Reconnect</source>
        <translation>&amp;Sambung Ulang</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Filter</source>
        <translation>&amp;Filter</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Quit</source>
        <translation>&amp;Keluar</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;File</source>
        <translation>&amp;Berkas</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Sandbox</source>
        <translation>&amp;Sandbox</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+32"/>
        <source>Sandboxes</source>
        <translation>Sandbox</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>Filter sandboxes (Ctrl+F)</source>
        <translation>Filter sandbox (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Filter sandboxes</source>
        <translation>Filter sandbox</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Connecting to vivariumd…</source>
        <translation>Menghubungkan ke vivariumd…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Connected to %1 at %2</source>
        <translation>Terhubung ke %1 di %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cannot read the service&apos;s templates.</source>
        <translation>Tidak dapat membaca templat layanan.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Cannot list the sandboxes.</source>
        <translation>Tidak dapat menampilkan daftar sandbox.</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Running under TCG emulation: guests are not a security boundary</source>
        <translation>Berjalan dengan emulasi TCG: guest bukan batas keamanan</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Accelerator: KVM</source>
        <translation>Akselerator: KVM</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accelerator: %1</source>
        <translation>Akselerator: %1</translation>
    </message>
    <message>
        <location line="+84"/>
        <source>Could not %1 sandbox “%2”.</source>
        <translation>Tidak dapat %1 sandbox “%2”.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Delete sandbox “%1”? Its disk and the records of its runs are deleted too.</source>
        <translation>Hapus sandbox “%1”? Disk dan catatan eksekusinya juga akan dihapus.</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>Delete %n sandboxes (%1)? Their disks and the records of their runs are deleted too.</source>
        <translation>
            <numerusform>Hapus %n sandbox (%1)? Disk dan catatan eksekusinya juga akan dihapus.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Delete Sandbox</source>
        <translation>Hapus Sandbox</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not delete sandbox “%1”.</source>
        <translation>Tidak dapat menghapus sandbox “%1”.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::NewSandboxDialog</name>
    <message>
        <location filename="../app/gui/NewSandboxDialog.cpp" line="+22"/>
        <source>New Sandbox</source>
        <translation>Sandbox Baru</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%1 (%n vCPU(s), %2 MiB)</source>
        <translation>
            <numerusform>%1 (%n vCPU, %2 MiB)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+11"/>
        <source>optional; chosen for you when empty</source>
        <translation>opsional; dipilihkan otomatis bila kosong</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>C&amp;reate</source>
        <translation>B&amp;uat</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Template:</source>
        <translation>&amp;Templat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>&amp;Hide</source>
        <translation>&amp;Sembunyikan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Batal</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Creating the sandbox and waiting for it to boot…</source>
        <translation>Membuat sandbox dan menunggu hingga selesai boot…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not create the sandbox: %1</source>
        <translation>Tidak dapat membuat sandbox: %1</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunExportActions</name>
    <message>
        <location filename="../app/gui/RunExportActions.cpp" line="+17"/>
        <source>Export as asciinema &amp;cast…</source>
        <translation>Ekspor sebagai &amp;cast asciinema…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export as &amp;text…</source>
        <translation>Ekspor sebagai &amp;teks…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save the run&apos;s output with its timing, to replay it with asciinema or share it</source>
        <translation>Simpan keluaran eksekusi beserta waktunya, untuk diputar ulang dengan asciinema atau dibagikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the run&apos;s output as plain text, without terminal escape codes</source>
        <translation>Simpan keluaran eksekusi sebagai teks biasa, tanpa kode escape terminal</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Export run %1 as an asciinema cast</source>
        <translation>Ekspor eksekusi %1 sebagai cast asciinema</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export run %1 as text</source>
        <translation>Ekspor eksekusi %1 sebagai teks</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>asciinema casts (*.cast)</source>
        <translation>Cast asciinema (*.cast)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Text files (*.txt)</source>
        <translation>Berkas teks (*.txt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All files (*)</source>
        <translation>Semua berkas (*)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot export run %1: %2</source>
        <translation>Tidak dapat mengekspor eksekusi %1: %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+9"/>
        <source>cannot write %1 (%2)</source>
        <translation>tidak dapat menulis %1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Run %1 exported to %2</source>
        <translation>Eksekusi %1 diekspor ke %2</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunOutputView</name>
    <message>
        <location filename="../app/gui/RunOutputView.cpp" line="+26"/>
        <source>E&amp;xport</source>
        <translation>Ek&amp;spor</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected run&apos;s output as an asciinema cast or as text</source>
        <translation>Simpan keluaran eksekusi terpilih sebagai cast asciinema atau sebagai teks</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Run output</source>
        <translation>Keluaran eksekusi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select a run to see its output.</source>
        <translation>Pilih eksekusi untuk melihat keluarannya.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunsModel</name>
    <message>
        <location filename="../app/gui/RunsModel.cpp" line="+147"/>
        <source>timed out</source>
        <translation>waktu habis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>error: %1</source>
        <translation>galat: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>signal %1</source>
        <translation>sinyal %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>exit %1</source>
        <translation>keluar %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ended</source>
        <translation>selesai</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>running</source>
        <translation>berjalan</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>%1 s</source>
        <translation>%1 dtk</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Command</source>
        <translation>Perintah</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Origin</source>
        <translation>Asal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started</source>
        <translation>Dimulai</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Durasi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exit status</source>
        <translation>Status keluar</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SandboxModel</name>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+125"/>
        <source>creating</source>
        <translation>membuat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>booting</source>
        <translation>memulai</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ready</source>
        <translation>siap</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopping</source>
        <translation>menghentikan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopped</source>
        <translation>berhenti</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>error</source>
        <translation>galat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>removing</source>
        <translation>menghapus</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 s</source>
        <translation>%1 dtk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 min %2 s</source>
        <translation>%1 mnt %2 dtk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 h %2 min</source>
        <translation>%1 j %2 mnt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 d %2 h</source>
        <translation>%1 hr %2 j</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Sandbox %1</source>
        <translation>Sandbox %1</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>%1 (%2 running)</source>
        <translation>%1 (%2 berjalan)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Template</source>
        <translation>Templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Uptime</source>
        <translation>Waktu aktif</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs</source>
        <translation>Eksekusi</translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+0"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/gui/SandboxModel.cpp" line="+0"/>
        <source>CPU time the virtual machine uses on the host; 100 % is one host CPU (the guest has %n vCPU(s))</source>
        <translation>
            <numerusform>Waktu CPU yang dipakai mesin virtual di host; 100 % adalah satu CPU host (guest memiliki %n vCPU)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+0"/>
        <source>Host memory the virtual machine uses; the guest was given %1</source>
        <translation>Memori host yang dipakai mesin virtual; guest diberi %1</translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+0"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+0"/>
        <source>Memory</source>
        <translation>Memori</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SandboxView</name>
    <message>
        <location filename="../app/gui/SandboxView.cpp" line="+34"/>
        <source>Select a sandbox to see its runs and details.</source>
        <translation>Pilih sandbox untuk melihat eksekusi dan detailnya.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Runs</source>
        <translation>&amp;Eksekusi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Details</source>
        <translation>&amp;Detail</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Terminal</source>
        <translation>&amp;Terminal</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>F&amp;iles</source>
        <translation>Be&amp;rkas</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Runs</source>
        <translation>Eksekusi</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Name:</source>
        <translation>Nama:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>ID:</source>
        <translation>ID:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Template:</source>
        <translation>Templat:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Image:</source>
        <translation>Citra:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Resources:</source>
        <translation>Sumber daya:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accelerator:</source>
        <translation>Akselerator:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Created:</source>
        <translation>Dibuat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ready since:</source>
        <translation>Siap sejak:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Agent:</source>
        <translation>Agen:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs:</source>
        <translation>Eksekusi:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Last error:</source>
        <translation>Galat terakhir:</translation>
    </message>
    <message>
        <location line="+48"/>
        <location line="+4"/>
        <source>Cannot follow the runs of this sandbox: %1</source>
        <translation>Tidak dapat mengikuti eksekusi sandbox ini: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The connection to vivariumd was lost; runs are no longer updated.</source>
        <translation>Koneksi ke vivariumd terputus; eksekusi tidak lagi diperbarui.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n vCPU(s), %1 MiB memory</source>
        <translation>
            <numerusform>%n vCPU, memori %1 MiB</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>TCG (emulation; not a security boundary)</source>
        <translation>TCG (emulasi; bukan batas keamanan)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KVM (hardware virtualization)</source>
        <translation>KVM (virtualisasi perangkat keras)</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>
[Output truncated: only the first %1 are shown. The full output is kept by the service: viv logs %2 %3]
</source>
        <translation>
[Keluaran dipotong: hanya %1 pertama yang ditampilkan. Keluaran lengkap disimpan oleh layanan: viv logs %2 %3]
</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Run %1 (running): %2</source>
        <translation>Eksekusi %1 (berjalan): %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run %1 (%2): %3</source>
        <translation>Eksekusi %1 (%2): %3</translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxView.cpp" line="+0"/>
        <source>Disk use:</source>
        <translation>Pemakaian disk:</translation>
    </message>
    <message>
        <location filename="../app/gui/SandboxView.cpp" line="+0"/>
        <source>%1 on the host, besides the shared base image</source>
        <translation>%1 di host, di luar citra dasar bersama</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TerminalTab</name>
    <message>
        <location filename="../app/gui/terminal/TerminalTab.cpp" line="+27"/>
        <source>&amp;Open shell</source>
        <translation>&amp;Buka shell</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>disconnected</source>
        <translation>terputus</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>connection lost</source>
        <translation>koneksi terputus</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Not connected to vivariumd yet; try again in a moment.</source>
        <translation>Belum terhubung ke vivariumd; coba lagi sebentar lagi.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Starting a shell…</source>
        <translation>Memulai shell…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cannot open a shell: %1</source>
        <translation>Tidak dapat membuka shell: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Shell running (run %1).</source>
        <translation>Shell berjalan (eksekusi %1).</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>[session ended: %1]</source>
        <translation>[sesi berakhir: %1]</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The shell has ended.</source>
        <translation>Shell telah berakhir.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TerminalWidget</name>
    <message>
        <location filename="../app/gui/terminal/TerminalWidget.cpp" line="+60"/>
        <source>Terminal</source>
        <translation>Terminal</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
</context>
</TS>
